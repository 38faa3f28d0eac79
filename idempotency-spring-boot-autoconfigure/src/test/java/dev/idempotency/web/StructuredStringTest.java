package dev.idempotency.web;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 9651 Items whose bare item is a String: the string, without its parameters, or nothing. */
class StructuredStringTest {

    @ParameterizedTest
    @ValueSource(strings = { "\"k\"", "\"k\";a", "\"k\";a=1", "\"k\"; a=1;b=2", "\"k\";a=-15", "\"k\";a=999999999999999",
            "\"k\";a=1.5", "\"k\";a=-123456789012.123", "\"k\";a=\"x\\\"y\"", "\"k\";a=tok", "\"k\";a=*t/o:k!",
            "\"k\";a=:YWJj:", "\"k\";a=::", "\"k\";a=?0", "\"k\";a=?1", "\"k\";a=@1659578233", "\"k\";a=%\"f%c3%bc\"",
            "\"k\";*a.b_c-d*=1" })
    void anItemWithParametersNamesItsString(String field) {
        assertThat(StructuredString.parse(field)).isEqualTo("k");
    }

    @ParameterizedTest
    @ValueSource(strings = { "\"k\";", "\"k\" ;a", "\"k\";A=1", "\"k\";1a", "\"k\";a=", "\"k\";a=1x", "\"k\";a=1.",
            "\"k\";a=1.1234", "\"k\";a=1234567890123456", "\"k\";a=1234567890123.1", "\"k\";a=\"x", "\"k\";a=:YWJj",
            "\"k\";a=:Y!:", "\"k\";a=?2", "\"k\";a=@1.5", "\"k\";a=%\"f%C3\"", "\"k\";a=%x", "\"k\";a=(", "\"k\"x",
            "\"k\",\"l\"", "\"k" })
    void anythingElseIsNotSuchAnItem(String field) {
        assertThat(StructuredString.parse(field)).isNull();
    }
}
