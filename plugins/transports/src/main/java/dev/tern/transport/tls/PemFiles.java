package dev.tern.transport.tls;

import dev.tern.spi.ConfigException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads certificates and unencrypted PKCS#8 private keys from PEM files, the form {@code openssl}
 * and most PKI tooling write. Files are bounded in size: a credentials file is a few kilobytes.
 */
final class PemFiles {

    /** Larger than any sane chain or key file. */
    static final int MAX_FILE = 1 << 20;

    private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
    private static final String END_KEY = "-----END PRIVATE KEY-----";
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemFiles() {
    }

    /** Every certificate in {@code file}, in order (a chain: this end's first). */
    static List<X509Certificate> certificates(String what, Path file) {
        byte[] bytes = read(what, file);
        try {
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new ConfigException(what + " file " + file + " holds no PEM certificate");
            }
            return certs;
        } catch (CertificateException e) {
            throw new ConfigException(what + " file " + file + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    /** The one private key in {@code file}. */
    static PrivateKey privateKey(Path file) {
        String text = new String(read("key", file), StandardCharsets.US_ASCII);
        int begin = text.indexOf(BEGIN_KEY);
        int end = text.indexOf(END_KEY);
        if (begin < 0 || end < begin) {
            String hint = text.contains("ENCRYPTED PRIVATE KEY") ? "it is encrypted"
                    : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY")
                    ? "it is in the traditional (PKCS#1/SEC1) form" : "no '" + BEGIN_KEY + "' block";
            throw new ConfigException("key file " + file + " is not an unencrypted PKCS#8 PEM key (" + hint
                    + "); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN_KEY.length(), end));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("key file " + file + ": the PEM block is not valid base64: " + e.getMessage(), e);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // not this algorithm; try the next
            }
        }
        throw new ConfigException("key file " + file + " holds a key of none of the algorithms " + KEY_ALGORITHMS);
    }

    private static byte[] read(String what, Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE) {
                throw new ConfigException(what + " file " + file + " is " + size + " bytes, more than "
                        + MAX_FILE + " for a credentials file");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + what + " file " + file + ": " + e, e);
        }
    }
}
