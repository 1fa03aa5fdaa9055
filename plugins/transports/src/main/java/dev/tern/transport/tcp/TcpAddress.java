package dev.tern.transport.tcp;

import dev.tern.spi.ConfigException;

/**
 * A {@code HOST:PORT} address as written after {@code tcp:}. IPv6 literals go in brackets
 * ({@code [::1]:4444}) because the port would otherwise be ambiguous.
 *
 * @param host host name or IP literal (without brackets)
 * @param port 0..65535; 0 asks the listener for an ephemeral port
 */
public record TcpAddress(String host, int port) {

    public TcpAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
    }

    /**
     * Parses {@code HOST:PORT} or {@code [IPV6]:PORT}.
     *
     * @throws ConfigException naming the address and what is wrong with it
     */
    public static TcpAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw bad(text, "it is empty; expected HOST:PORT");
        }
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw bad(text, "expected [IPV6]:PORT");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw bad(text, "the port is missing; expected HOST:PORT");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw bad(text, "an IPv6 literal must be written in brackets, e.g. [::1]:4444");
            }
        }
        if (host.isEmpty()) {
            throw bad(text, "the host is empty");
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
            throw bad(text, "port '" + portText + "' is not a number in 0..65535");
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw bad(text, "port " + port + " is outside 0..65535");
        }
        return new TcpAddress(host, port);
    }

    /** This address with another port (the real one of an ephemeral listener). */
    public TcpAddress withPort(int newPort) {
        return new TcpAddress(host, newPort);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static ConfigException bad(String text, String why) {
        return new ConfigException("tcp address '" + text + "' is invalid: " + why);
    }
}
