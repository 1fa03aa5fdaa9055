package dev.tern.testkit.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Test-only certificates, made at test time with the JDK's {@code keytool} (never committed): a CA,
 * node certificates it signs (for 127.0.0.1 and localhost, server and client use), and the bad
 * cases: another CA's node, an expired node and a node for another name. Each node exists as PEM
 * files ({@code NAME.pem} chain, {@code NAME.key} PKCS#8) and as a PKCS#12 key store
 * ({@code NAME.p12}, password in {@link #passwordFile()}, the CA as a trusted entry).
 */
public final class TestCertificates {

    /** The password of every key store made here (test-only). */
    public static final String PASSWORD = "test-only-password";

    /** System property: a directory to keep the certificates in across JVMs. */
    public static final String DIR_PROPERTY = "tern.test.pki.dir";

    private static final String COMPLETE = "complete";
    /** How long kept certificates are reused: well inside their 30 days of validity. */
    private static final java.time.Duration REUSE_FOR = java.time.Duration.ofDays(7);

    private static TestCertificates shared;

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /**
     * The certificates of this JVM, made on first use in a temporary directory removed at exit; or,
     * when the system property {@value #DIR_PROPERTY} names a directory, made there once and reused
     * by later JVMs: the build sets it to the root's {@code target/test-pki}, so one build runs
     * keytool once, not once per test JVM; benchmark forks pass it too.
     */
    public static synchronized TestCertificates shared() throws Exception {
        if (shared == null) {
            String fixed = System.getProperty(DIR_PROPERTY);
            if (fixed != null) {
                shared = kept(Files.createDirectories(Path.of(fixed)));
            } else {
                Path dir = Files.createTempDirectory("tern-test-pki");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                shared = made(dir);
            }
        }
        return shared;
    }

    /**
     * The certificates kept in {@code dir}: reused while younger than {@link #REUSE_FOR} (they are
     * valid for 30 days), otherwise made again. A file lock keeps two test JVMs of one build from
     * making them at once.
     */
    private static TestCertificates kept(Path dir) throws Exception {
        try (var lock = java.nio.channels.FileChannel.open(dir.resolve(".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             var held = lock.lock()) {
            Path complete = dir.resolve(COMPLETE);
            if (Files.exists(complete) && Files.getLastModifiedTime(complete).toInstant()
                    .isAfter(java.time.Instant.now().minus(REUSE_FOR))) {
                return new TestCertificates(dir);
            }
            try (var old = Files.list(dir)) {
                for (Path f : old.filter(f -> !f.getFileName().toString().equals(".lock")).toList()) {
                    deleteTree(f);
                }
            }
            return made(dir);
        }
    }

    private static TestCertificates made(Path dir) throws Exception {
        TestCertificates pki = new TestCertificates(dir);
        pki.makeCa("ca", "CN=Tern Test CA");
        pki.makeCa("other-ca", "CN=Some Other CA");
        pki.makeNode("node", "ca", "CN=node", "ip:127.0.0.1,dns:localhost", null, true);
        pki.makeNode("client", "ca", "CN=client.tern.test", "dns:client.tern.test", null, true);
        pki.makeNode("stranger", "other-ca", "CN=stranger", "ip:127.0.0.1,dns:localhost", null, false);
        pki.makeNode("expired", "ca", "CN=expired", "ip:127.0.0.1,dns:localhost", "-30d", false);
        pki.makeNode("elsewhere", "ca", "CN=elsewhere", "dns:elsewhere.example", null, false);
        Files.writeString(dir.resolve(COMPLETE), "");
        return pki;
    }

    /** The directory holding every file. */
    public Path dir() {
        return dir;
    }

    /** PEM chain of {@code node} (node, client, stranger, expired, elsewhere). */
    public Path cert(String node) {
        return dir.resolve(node + ".pem");
    }

    /** PEM PKCS#8 key of {@code node}. */
    public Path key(String node) {
        return dir.resolve(node + ".key");
    }

    /** PKCS#12 key store of {@code node}; node and client hold their chain and the CA as a trusted entry. */
    public Path keystore(String node) {
        return dir.resolve(node + ".p12");
    }

    /** PEM certificate of CA {@code ca} (ca, other-ca). */
    public Path ca(String ca) {
        return dir.resolve(ca + ".pem");
    }

    /** File holding {@link #PASSWORD}. */
    public Path passwordFile() {
        return dir.resolve("password");
    }

    /** {@code ?cert=..&key=..&ca=..} options for a node trusting {@code ca}. */
    public String options(String node, String ca) {
        return "?cert=" + cert(node) + "&key=" + key(node) + "&ca=" + ca(ca);
    }

    private void makeCa(String name, String dname) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-ext", "bc:c", "-validity", "30", "-keystore", keystore(name).toString());
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", keystore(name).toString(),
                "-file", ca(name).toString());
        Files.writeString(passwordFile(), PASSWORD + "\n");
    }

    private void makeNode(String name, String ca, String dname, String san, String startDate,
                          boolean keystoreChain) throws Exception {
        Path store = keystore(name);
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-keystore", store.toString());
        Path csr = dir.resolve(name + ".csr");
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", csr.toString());
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", ca, "-keystore",
                keystore(ca).toString(), "-infile", csr.toString(), "-outfile", cert(name).toString(),
                "-ext", "san=" + san, "-ext", "eku=serverAuth,clientAuth", "-ext", "ku=digitalSignature",
                "-validity", startDate == null ? "30" : "1"));
        if (startDate != null) {
            sign.add("-startdate");
            sign.add(startDate);
        }
        keytool(sign.toArray(String[]::new));
        // The chain: the node's certificate, then its CA's.
        Files.writeString(cert(name), Files.readString(cert(name)) + Files.readString(ca(ca)));
        if (keystoreChain) { // the signed chain and the CA as a trusted entry, for keystore= use
            keytool("-importcert", "-noprompt", "-alias", ca, "-file", ca(ca).toString(), "-keystore", store.toString());
            keytool("-importcert", "-noprompt", "-alias", name, "-file", cert(name).toString(),
                    "-keystore", store.toString());
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(name, PASSWORD.toCharArray());
        Files.writeString(key(name), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // keytool is short-lived: a quick JIT start matters more than peak speed
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        int status = p.waitFor();
        if (status != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed (" + status + "): "
                    + Files.readString(log));
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind
        }
    }
}
