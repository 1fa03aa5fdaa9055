package dev.tern.codec.xbzrle;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import java.util.List;

/** The {@code xbzrle} page codec: QEMU-compatible deltas against a sender-side page cache. */
public final class XbzrleCodecProvider implements PageCodecProvider {

    /** The cache size key; QEMU's default is 64 MiB. */
    public static final String CACHE_SIZE = "cache-size";

    private static final List<ConfigKey> KEYS = List.of(ConfigKey.of(CACHE_SIZE, ConfigType.SIZE, "64M",
            "sender page cache size, rounded down to a power-of-two number of pages"));

    @Override
    public String id() {
        return "xbzrle";
    }

    @Override
    public String description() {
        return "XBZRLE page deltas, byte-compatible with QEMU live migration";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    /** A delta against the page the destination holds. */
    @Override
    public boolean delta() {
        return true;
    }

    @Override
    public PageEncoder newEncoder(Config config) {
        long size = config.size(CACHE_SIZE);
        if (size < GuestMemory.PAGE_SIZE) {
            throw new ConfigException("config key '" + CACHE_SIZE + "' = " + size
                    + " bytes is smaller than one " + GuestMemory.PAGE_SIZE + "-byte page");
        }
        return new XbzrleEncoder(size);
    }

    @Override
    public PageDecoder newDecoder(Config config) {
        return new XbzrleDecoder();
    }
}
