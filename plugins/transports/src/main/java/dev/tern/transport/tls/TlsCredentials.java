package dev.tern.transport.tls;

import dev.tern.spi.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * This end's key and certificate and the authorities it trusts, loaded once per connect or listen
 * and turned into TLS 1.3 engines. Every problem with the files is a {@link ConfigException} that
 * names the file and the option.
 */
final class TlsCredentials {

    /** The only protocol offered or accepted. */
    static final String PROTOCOL = "TLSv1.3";

    /**
     * TLS 1.3's suites, AES-128-GCM first: as strong as needed for a migration stream and a
     * third fewer AES rounds than AES-256, which the JDK would otherwise pick.
     */
    static final String[] SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

    private static final char[] IN_MEMORY_PASSWORD = "tern".toCharArray();

    private final SSLContext context;
    private final boolean hasOwnCertificate;
    private final TlsSettings settings;

    private TlsCredentials(SSLContext context, boolean hasOwnCertificate, TlsSettings settings) {
        this.context = context;
        this.hasOwnCertificate = hasOwnCertificate;
        this.settings = settings;
    }

    /**
     * Loads what {@code settings} names. A listener must have its own certificate; a client needs
     * one only to pass a listener's mutual authentication, so its absence shows at the handshake.
     */
    static TlsCredentials load(TlsSettings settings, boolean listening) {
        KeyStore ownKey = null;
        List<X509Certificate> anchors = new ArrayList<>();
        String anchorSource;
        if (!settings.keystore().isEmpty()) {
            if (!settings.cert().isEmpty() || !settings.key().isEmpty()) {
                throw new ConfigException("tls: give either keystore= or cert= and key=, not both");
            }
            KeyStore store = keystore(settings);
            ownKey = store;
            anchors.addAll(trustedEntries(store));
            anchorSource = "trusted entries of keystore=" + settings.keystore();
        } else if (!settings.cert().isEmpty() || !settings.key().isEmpty()) {
            if (settings.cert().isEmpty() || settings.key().isEmpty()) {
                throw new ConfigException("tls: cert= and key= go together; only "
                        + (settings.cert().isEmpty() ? "key=" : "cert=") + " was given");
            }
            ownKey = fromPem(Path.of(settings.cert()), Path.of(settings.key()));
            anchorSource = "none";
        } else {
            anchorSource = "none";
        }
        if (!settings.ca().isEmpty()) {
            anchors = PemFiles.certificates("ca", Path.of(settings.ca()));
            anchorSource = "ca=" + settings.ca();
        }
        if (listening && ownKey == null) {
            throw new ConfigException("tls listener " + settings.uri() + " needs its own certificate: give cert= and "
                    + "key= (PEM) or keystore= and password-file= (PKCS#12)");
        }
        boolean needsAnchors = !listening || settings.verifyPeer();
        if (needsAnchors && anchors.isEmpty()) {
            throw new ConfigException("tls " + (listening ? "listener " : "connection to ") + settings.uri()
                    + " has no trusted CA to check the peer's certificate against: give ca= (PEM)"
                    + (listening ? " or verify-peer=off to accept clients without certificates" : ""));
        }
        try {
            KeyManager[] keys = ownKey == null ? null : new KeyManager[] {ownKey(ownKey, passwordOf(settings))};
            TrustManager[] trust = anchors.isEmpty() ? new TrustManager[0]
                    : new TrustManager[] {new PeerTrust(anchors, anchorSource, expectedName(settings, listening))};
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keys, trust, null);
            return new TlsCredentials(context, ownKey != null, settings);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("tls " + settings.uri() + ": cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** A fresh engine for one connection, TLS 1.3 only; a listener's demands a client certificate unless verify-peer=off. */
    SSLEngine engine(boolean client) {
        SSLEngine engine = client
                ? context.createSSLEngine(settings.address().host(), settings.address().port())
                : context.createSSLEngine();
        engine.setUseClientMode(client);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(SUITES);
        p.setUseCipherSuitesOrder(true);
        if (!client) {
            p.setNeedClientAuth(settings.verifyPeer());
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /** Whether this end can present a certificate. */
    boolean hasOwnCertificate() {
        return hasOwnCertificate;
    }

    private static OwnKey ownKey(KeyStore store, char[] password) throws GeneralSecurityException {
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                Certificate[] chain = store.getCertificateChain(alias);
                X509Certificate[] x509 = new X509Certificate[chain.length];
                for (int i = 0; i < chain.length; i++) {
                    x509[i] = (X509Certificate) chain[i];
                }
                return new OwnKey((PrivateKey) store.getKey(alias, password), x509);
            }
        }
        throw new GeneralSecurityException("no private key entry");
    }

    private static String expectedName(TlsSettings settings, boolean listening) {
        if (!settings.peerName().isEmpty()) {
            return settings.peerName();
        }
        return listening ? "" : settings.address().host();
    }

    private static KeyStore fromPem(Path certFile, Path keyFile) {
        List<X509Certificate> chain = PemFiles.certificates("cert", certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        requireMatch(chain.getFirst(), key, certFile, keyFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("tern", key, IN_MEMORY_PASSWORD, chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("tls: cannot use cert=" + certFile + " with key=" + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** A key that does not belong to the certificate would fail every handshake with an obscure message. */
    private static void requireMatch(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "tern key/cert match".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's: the same refusal
        }
        throw new ConfigException("tls: key=" + keyFile + " is not the private key of the first certificate in cert="
                + certFile + " ('" + cert.getSubjectX500Principal().getName() + "')");
    }

    private static KeyStore keystore(TlsSettings settings) {
        Path file = Path.of(settings.keystore());
        try (InputStream in = Files.newInputStream(file)) {
            if (Files.size(file) > PemFiles.MAX_FILE) {
                throw new ConfigException("keystore file " + file + " is larger than " + PemFiles.MAX_FILE + " bytes");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, passwordOf(settings));
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.size() != 1) {
                throw new ConfigException("keystore=" + file + " must hold exactly one private key entry, not "
                        + keyAliases.size() + " " + keyAliases);
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            String why = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")
                    ? "wrong password (password-file=" + settings.passwordFile() + ")" : e.toString();
            throw new ConfigException("cannot load keystore=" + file + ": " + why, e);
        }
    }

    private static List<X509Certificate> trustedEntries(KeyStore store) {
        try {
            List<X509Certificate> trusted = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias) && store.getCertificate(alias) instanceof X509Certificate c) {
                    trusted.add(c);
                }
            }
            return trusted;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot read the trusted entries of a keystore: " + e.getMessage(), e);
        }
    }

    private static char[] passwordOf(TlsSettings settings) {
        if (settings.keystore().isEmpty()) {
            return IN_MEMORY_PASSWORD;
        }
        if (settings.passwordFile().isEmpty()) {
            throw new ConfigException("tls: keystore=" + settings.keystore() + " needs password-file=");
        }
        Path file = Path.of(settings.passwordFile());
        try {
            if (Files.size(file) > 4096) {
                throw new ConfigException("password-file=" + file + " is larger than 4096 bytes");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            String line = newline < 0 ? text : text.substring(0, newline);
            return (line.endsWith("\r") ? line.substring(0, line.length() - 1) : line).toCharArray();
        } catch (IOException e) {
            throw new ConfigException("cannot read password-file=" + file + ": " + e, e);
        }
    }
}
