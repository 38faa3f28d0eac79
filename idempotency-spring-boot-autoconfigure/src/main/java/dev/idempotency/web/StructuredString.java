package dev.idempotency.web;

/**
 * Parses a structured field Item whose bare item is a String (RFC 9651, sections 4.2.3 and
 * 4.2.5): {@code "abc"}, optionally followed by parameters such as {@code ;p=1}. The parameters
 * are checked for syntax and dropped: the draft defines Idempotency-Key as an Item with a String
 * value and gives no parameter a meaning.
 */
final class StructuredString {

    private final String field;
    private int at;

    private StructuredString(String field) {
        this.field = field;
    }

    /**
     * The string {@code field} holds, without its parameters.
     *
     * @return {@code null} when {@code field} is not an Item whose bare item is a String
     */
    static String parse(String field) {
        StructuredString parser = new StructuredString(field);
        String value = parser.string();
        return value != null && parser.parameters() && parser.at == field.length() ? value : null;
    }

    /** An sf-string: printable ASCII in double quotes, with only \" and \\ escaped. */
    private String string() {
        if (!consume('"')) {
            return null;
        }
        StringBuilder value = new StringBuilder(field.length());
        while (at < field.length()) {
            char c = field.charAt(at++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\') {
                if (at == field.length() || (field.charAt(at) != '"' && field.charAt(at) != '\\')) {
                    return null;
                }
                c = field.charAt(at++);
            }
            else if (c < 0x20 || c >= 0x7F) {
                return null;
            }
            value.append(c);
        }
        return null;
    }

    /** {@code *( ";" *SP key [ "=" bare-item ] )} */
    private boolean parameters() {
        while (consume(';')) {
            while (consume(' ')) {
                // Spaces may follow the semicolon.
            }
            if (!key() || (consume('=') && !bareItem())) {
                return false;
            }
        }
        return true;
    }

    /** {@code ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )} */
    private boolean key() {
        if (at == field.length() || !(isLowercase(field.charAt(at)) || field.charAt(at) == '*')) {
            return false;
        }
        at++;
        while (at < field.length() && isKeyChar(field.charAt(at))) {
            at++;
        }
        return true;
    }

    private boolean bareItem() {
        if (at == field.length()) {
            return false;
        }
        char c = field.charAt(at);
        if (c == '-' || isDigit(c)) {
            return number(false);
        }
        if (c == '"') {
            return string() != null;
        }
        if (c == '*' || isAlpha(c)) {
            return token();
        }
        return switch (c) {
            case ':' -> byteSequence();
            case '?' -> consume('?') && (consume('0') || consume('1'));
            case '@' -> consume('@') && number(true);
            case '%' -> displayString();
            default -> false;
        };
    }

    /**
     * An sf-integer (up to 15 digits) or, unless {@code integerOnly} (a date's seconds), an
     * sf-decimal (up to 12 digits, a dot, 1 to 3 digits).
     */
    private boolean number(boolean integerOnly) {
        consume('-');
        int integerStart = at;
        while (at < field.length() && isDigit(field.charAt(at))) {
            at++;
        }
        int integerDigits = at - integerStart;
        if (integerDigits == 0) {
            return false;
        }
        if (integerOnly || !consume('.')) {
            return integerDigits <= 15;
        }
        int fractionStart = at;
        while (at < field.length() && isDigit(field.charAt(at))) {
            at++;
        }
        int fractionDigits = at - fractionStart;
        return integerDigits <= 12 && fractionDigits >= 1 && fractionDigits <= 3;
    }

    /** {@code ( ALPHA / "*" ) *( tchar / ":" / "/" )} */
    private boolean token() {
        at++;
        while (at < field.length() && (isTchar(field.charAt(at)) || field.charAt(at) == ':' || field.charAt(at) == '/')) {
            at++;
        }
        return true;
    }

    /** {@code ":" *(base64) ":"} */
    private boolean byteSequence() {
        consume(':');
        while (at < field.length() && isBase64(field.charAt(at))) {
            at++;
        }
        return consume(':');
    }

    /** {@code "%" DQUOTE *( unescaped / "\" / pct-encoded ) DQUOTE}, pct-encoded in lowercase hex. */
    private boolean displayString() {
        if (!consume('%') || !consume('"')) {
            return false;
        }
        while (at < field.length()) {
            char c = field.charAt(at++);
            if (c == '"') {
                return true;
            }
            if (c == '%') {
                if (at + 2 > field.length() || !isLowerHex(field.charAt(at)) || !isLowerHex(field.charAt(at + 1))) {
                    return false;
                }
                at += 2;
            }
            else if (c < 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return false;
    }

    private boolean consume(char c) {
        if (at < field.length() && field.charAt(at) == c) {
            at++;
            return true;
        }
        return false;
    }

    private static boolean isLowercase(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isAlpha(char c) {
        return isLowercase(c) || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isKeyChar(char c) {
        return isLowercase(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*';
    }

    /** RFC 9110's tchar. */
    private static boolean isTchar(char c) {
        return isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean isBase64(char c) {
        return isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=';
    }

    private static boolean isLowerHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f');
    }
}
