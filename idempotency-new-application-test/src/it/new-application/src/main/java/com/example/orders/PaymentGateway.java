package com.example.orders;

/** Charges a payment: the work that must not run twice for one message. */
interface PaymentGateway {

    Receipt charge(PaymentRequested payment);
}
