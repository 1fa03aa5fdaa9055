package dev.tern.transport.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * This end's one key and chain, presented whatever authorities the peer says it accepts. The JDK's
 * key manager sends no certificate at all when its issuer is not among the peer's accepted
 * authorities; the peer could then only report a missing certificate, whereas with the
 * certificate in hand it names the untrusted issuer.
 */
final class OwnKey extends X509ExtendedKeyManager {

    private static final String ALIAS = "tern";

    private final PrivateKey key;
    private final X509Certificate[] chain;

    OwnKey(PrivateKey key, X509Certificate[] chain) {
        this.key = key;
        this.chain = chain.clone();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return usable(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(new String[] {keyType});
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(new String[] {keyType});
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }

    private String choose(String[] keyTypes) {
        return keyTypes != null && Arrays.stream(keyTypes).anyMatch(this::usable) ? ALIAS : null;
    }

    /** Key types arrive as {@code EC}, {@code RSA}, {@code RSASSA-PSS}, or {@code EC_EC}-style pairs in older TLS. */
    private boolean usable(String keyType) {
        if (keyType == null) {
            return false;
        }
        String algorithm = key.getAlgorithm();
        String base = keyType.contains("_") ? keyType.substring(0, keyType.indexOf('_')) : keyType;
        return base.equalsIgnoreCase(algorithm) || ("EdDSA".equalsIgnoreCase(base) && algorithm.startsWith("Ed"));
    }
}
