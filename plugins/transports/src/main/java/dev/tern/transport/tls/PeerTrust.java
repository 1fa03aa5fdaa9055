package dev.tern.transport.tls;

import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Decides whether the peer's certificate chain is acceptable, and says precisely why not: no
 * certificate, expired (or not yet valid), not signed by a trusted authority, or issued for another
 * name. The chain is validated by the JDK's PKIX trust manager; the checks before and after it
 * exist for the messages, which an operator reads when a migration is refused.
 *
 * <p>The name check is this class's own rather than the JDK's endpoint identification so that it
 * works the same on both ends: a listener may require a client name too. Subject alternative
 * names are matched (DNS names case-insensitively, a leading {@code *.} for one label; IP
 * addresses by value); the common name only when the certificate has no alternative names.
 */
final class PeerTrust extends X509ExtendedTrustManager {

    private final X509Certificate[] anchors;
    private final X509TrustManager pkix;
    private final String anchorSource;
    private final String expectedName;

    /**
     * @param anchors the trusted authorities, not empty
     * @param anchorSource where they came from, for messages (e.g. {@code ca=/etc/tern/ca.pem})
     * @param expectedName the name the peer must carry, or empty for any
     */
    PeerTrust(List<X509Certificate> anchors, String anchorSource, String expectedName) throws GeneralSecurityException {
        this.anchors = anchors.toArray(X509Certificate[]::new);
        this.anchorSource = anchorSource;
        this.expectedName = expectedName;
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory trust store", e);
        }
        for (int i = 0; i < anchors.size(); i++) {
            store.setCertificateEntry("ca-" + i, anchors.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        this.pkix = (X509TrustManager) factory.getTrustManagers()[0];
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, authType, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, authType, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, authType, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, authType, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, authType, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, authType, true);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.clone();
    }

    private void verify(X509Certificate[] chain, String authType, boolean peerIsServer) throws CertificateException {
        String role = peerIsServer ? "server" : "client";
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the " + role + " presented no certificate");
        }
        X509Certificate leaf = chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        for (X509Certificate c : chain) {
            try {
                c.checkValidity();
            } catch (CertificateExpiredException e) {
                throw new CertificateException("the " + role + "'s certificate '" + c.getSubjectX500Principal().getName()
                        + "' expired on " + c.getNotAfter().toInstant(), e);
            } catch (CertificateNotYetValidException e) {
                throw new CertificateException("the " + role + "'s certificate '" + c.getSubjectX500Principal().getName()
                        + "' is not valid before " + c.getNotBefore().toInstant(), e);
            }
        }
        try {
            if (peerIsServer) {
                pkix.checkServerTrusted(chain, authType);
            } else {
                pkix.checkClientTrusted(chain, authType);
            }
        } catch (CertificateException e) {
            throw new CertificateException("the " + role + "'s certificate '" + subject + "' (issued by '"
                    + leaf.getIssuerX500Principal().getName() + "') is not signed by a trusted CA (" + anchorSource
                    + "): " + e.getMessage(), e);
        }
        if (!expectedName.isEmpty()) {
            List<String> names = names(leaf);
            if (names.stream().noneMatch(n -> matches(n, expectedName))) {
                throw new CertificateException("the " + role + "'s certificate '" + subject + "' is issued for "
                        + names + ", not for the expected peer name '" + expectedName + "'");
            }
        }
    }

    /** The names a certificate vouches for: its alternative names, else its common name. */
    static List<String> names(X509Certificate cert) throws CertificateParsingException {
        List<String> names = new ArrayList<>();
        Collection<List<?>> alternatives = cert.getSubjectAlternativeNames();
        if (alternatives != null) {
            for (List<?> entry : alternatives) {
                int type = (Integer) entry.get(0);
                if (type == 2 || type == 7) { // dNSName, iPAddress
                    names.add(entry.get(1).toString());
                }
            }
        }
        if (alternatives == null || alternatives.isEmpty()) {
            for (String rdn : cert.getSubjectX500Principal().getName().split(",")) {
                if (rdn.startsWith("CN=")) {
                    names.add(rdn.substring(3));
                }
            }
        }
        return names;
    }

    static boolean matches(String certified, String wanted) {
        if (isIpLiteral(wanted) || isIpLiteral(certified)) {
            return isIpLiteral(wanted) && isIpLiteral(certified) && sameAddress(certified, wanted);
        }
        String c = certified.toLowerCase(Locale.ROOT);
        String w = wanted.toLowerCase(Locale.ROOT);
        if (c.startsWith("*.")) {
            int dot = w.indexOf('.');
            return dot > 0 && w.substring(dot).equals(c.substring(1));
        }
        return c.equals(w);
    }

    private static boolean isIpLiteral(String s) {
        return s.indexOf(':') >= 0 || s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.ofLiteral(a).equals(InetAddress.ofLiteral(b));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
