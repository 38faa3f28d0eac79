package com.example.orders;

/** What charging a payment answers; stored on the first delivery and replayed on every redelivery. */
record Receipt(String paymentId, String chargeId) {
}
