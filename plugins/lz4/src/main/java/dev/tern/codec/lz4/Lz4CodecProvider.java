package dev.tern.codec.lz4;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import java.util.List;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * The {@code lz4} page codec. Level 0 uses LZ4's fast compressor; levels 1 to 17 use LZ4 HC, which
 * compresses better at a much higher CPU cost. (lz4-java offers no acceleration knob for its
 * pure-Java fast compressor, so none is declared.) Both sides use lz4-java's pure-Java safe
 * implementation: no native library to load, no {@code sun.misc.Unsafe}, and bounds-checked
 * decompression of hostile input.
 */
public final class Lz4CodecProvider implements PageCodecProvider {

    /** The compression level key. */
    public static final String LEVEL = "level";

    /** The highest LZ4 HC level. */
    public static final int MAX_LEVEL = 17;

    private static final List<ConfigKey> KEYS = List.of(ConfigKey.of(LEVEL, ConfigType.INTEGER, "0",
            "0 = fast LZ4, 1-17 = LZ4 HC level (smaller output, slower)"));

    @Override
    public String id() {
        return "lz4";
    }

    @Override
    public String description() {
        return "LZ4 page compression with one-byte zero pages";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public PageEncoder newEncoder(Config config) {
        long level = config.integer(LEVEL);
        if (level < 0 || level > MAX_LEVEL) {
            throw new ConfigException("config key '" + LEVEL + "' = " + level + " is outside 0.." + MAX_LEVEL);
        }
        LZ4Factory factory = LZ4Factory.safeInstance();
        LZ4Compressor compressor = level == 0 ? factory.fastCompressor() : factory.highCompressor((int) level);
        return new Lz4Encoder(compressor);
    }

    @Override
    public PageDecoder newDecoder(Config config) {
        return new Lz4Decoder(LZ4Factory.safeInstance().safeDecompressor());
    }
}
