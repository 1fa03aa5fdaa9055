package dev.tern.transport.tls;

import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Turns the JDK's TLS failures into a sentence an operator can act on. The end that checks a
 * certificate knows exactly what is wrong with it ({@link PeerTrust} wrote that message); the other
 * end receives only a TLS alert, whose name is passed on with a pointer to the peer's log.
 */
final class TlsRefusal {

    private TlsRefusal() {
    }

    /** An exception naming the peer and the reason; the JDK's exception is its cause. */
    static SSLHandshakeException describe(SSLException e, boolean client, String peer) {
        SSLHandshakeException described = new SSLHandshakeException("tls handshake with " + peer + " failed: "
                + reason(e, client));
        described.initCause(e);
        return described;
    }

    static String reason(SSLException e, boolean client) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException c && c.getMessage() != null && c.getMessage().startsWith("the ")) {
                return c.getMessage();
            }
        }
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("empty client certificate chain")) {
            return "the client presented no certificate, and this listener requires one (verify-peer=on): "
                    + "give the client cert= and key=, or keystore=";
        }
        if (lower.contains("received fatal alert: certificate_required")) {
            return "the server requires a client certificate and this end has none: give cert= and key=, or keystore=";
        }
        int alert = lower.indexOf("received fatal alert: ");
        if (alert >= 0) {
            String name = message.substring(alert + "received fatal alert: ".length()).trim();
            return "the " + (client ? "server" : "client") + " refused this end's certificate or handshake (TLS alert "
                    + name + "); its log names the reason";
        }
        if (lower.contains("no appropriate protocol") || lower.contains("protocol_version")
                || lower.contains("unsupported or unrecognized ssl message")
                || lower.contains("unrecognized ssl message")) {
            return "the peer does not speak TLS 1.3 (a plain TCP or older TLS peer?): " + message;
        }
        return message;
    }
}
