package dev.tern.transport.tls;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.transport.address.AddressOptions;
import dev.tern.transport.tcp.TcpAddress;
import dev.tern.transport.tcp.TcpOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a {@code tls:} connection or listener needs: the TCP address and options, the
 * credentials files and the peer checks. A value comes from the address's options
 * ({@code tls:HOST:PORT?cert=a.pem&key=a.key&ca=ca.pem}) when given there, else from the
 * transport's configuration. Options in the address exist because a migration, FT or multifd URI
 * is the one thing an operator hands over; the configuration supplies defaults.
 *
 * @param address where to connect or listen
 * @param tcp the socket options (timeouts, nodelay, keepalive)
 * @param cert PEM certificate chain of this end, or empty
 * @param key PEM PKCS#8 private key matching {@code cert}, or empty
 * @param ca PEM certificates of the authorities trusted to sign the peer's certificate, or empty
 * @param keystore PKCS#12 key store holding this end's key and chain (instead of cert and key), or empty
 * @param passwordFile file whose first line is the key store's password, or empty
 * @param verifyPeer a listener demands a client certificate (mutual authentication); a client
 *     always checks the server's
 * @param peerName the name the peer's certificate must carry, or empty: a client then checks the
 *     host it connects to, a listener accepts any name its CAs signed
 */
public record TlsSettings(TcpAddress address, TcpOptions tcp, String cert, String key, String ca, String keystore,
                          String passwordFile, boolean verifyPeer, String peerName) {

    /** Config key: this end's certificate chain (PEM). */
    public static final String CERT = "cert";
    /** Config key: this end's private key (PEM, PKCS#8). */
    public static final String KEY = "key";
    /** Config key: trusted certificate authorities (PEM). */
    public static final String CA = "ca";
    /** Config key: PKCS#12 key store with this end's key and chain. */
    public static final String KEYSTORE = "keystore";
    /** Config key: file holding the key store's password. */
    public static final String PASSWORD_FILE = "password-file";
    /** Config key: mutual authentication on the listening side. */
    public static final String VERIFY_PEER = "verify-peer";
    /** Config key: the name required in the peer's certificate. */
    public static final String PEER_NAME = "peer-name";

    /** The keys {@link #from} reads: TLS's own, then TCP's. */
    public static final List<ConfigKey> KEYS = keys();

    /**
     * Parses {@code HOST:PORT[?KEY=VALUE&...]} and merges its options over {@code config}.
     *
     * @throws ConfigException naming the address and the offending part
     */
    public static TlsSettings from(String text, Config config) {
        if (text == null || text.isEmpty()) {
            throw new ConfigException("tls address '" + text + "' is invalid: it is empty; expected HOST:PORT");
        }
        AddressOptions given = AddressOptions.parse("tls", text, KEYS);
        TcpAddress address;
        try {
            address = TcpAddress.parse(given.address());
        } catch (ConfigException e) {
            throw new ConfigException("tls address '" + text + "' is invalid: "
                    + e.getMessage().replaceFirst("^tcp address '.*' is invalid: ", ""), e);
        }
        Config merged = given.over(config);
        return new TlsSettings(address, TcpOptions.from(merged), merged.string(CERT), merged.string(KEY),
                merged.string(CA), merged.string(KEYSTORE), merged.string(PASSWORD_FILE),
                merged.bool(VERIFY_PEER), merged.string(PEER_NAME));
    }

    /** The address as a listener reports it: without options, which are this end's own secrets. */
    public String uri() {
        return "tls:" + address;
    }

    /** This settings object for another port (the real one of an ephemeral listener). */
    public TlsSettings withPort(int port) {
        return new TlsSettings(address.withPort(port), tcp, cert, key, ca, keystore, passwordFile, verifyPeer,
                peerName);
    }

    private static List<ConfigKey> keys() {
        List<ConfigKey> keys = new ArrayList<>(List.of(
                ConfigKey.of(CERT, ConfigType.STRING, "", "this end's certificate chain, PEM file"),
                ConfigKey.of(KEY, ConfigType.STRING, "", "this end's private key, PEM file (PKCS#8, unencrypted)"),
                ConfigKey.of(CA, ConfigType.STRING, "", "certificate authorities trusted to sign the peer's "
                        + "certificate, PEM file (default: the key store's trusted entries)"),
                ConfigKey.of(KEYSTORE, ConfigType.STRING, "", "PKCS#12 key store with this end's key and chain "
                        + "(instead of cert and key)"),
                ConfigKey.of(PASSWORD_FILE, ConfigType.STRING, "", "file whose first line is the key store password"),
                ConfigKey.of(VERIFY_PEER, ConfigType.BOOLEAN, "on",
                        "a listener requires and checks a client certificate (mutual authentication)"),
                ConfigKey.of(PEER_NAME, ConfigType.STRING, "", "name the peer's certificate must carry "
                        + "(default: a client checks the host it connects to, a listener any name)")));
        keys.addAll(TcpOptions.KEYS);
        return List.copyOf(keys);
    }
}
