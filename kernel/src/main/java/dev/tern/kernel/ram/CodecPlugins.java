package dev.tern.kernel.ram;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.plugin.ProviderKind;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Page codec sessions made from the installed codec plugins, by id alone: the RAM stream learns
 * from the provider whether a codec is a delta codec, so no codec is named in the kernel.
 */
public final class CodecPlugins {

    /** The config key through which a caching codec takes its cache size (QEMU's xbzrle-cache-size). */
    public static final String CACHE_SIZE = "cache-size";

    private final PluginRegistry plugins;

    public CodecPlugins(PluginRegistry plugins) {
        this.plugins = Objects.requireNonNull(plugins, "plugins");
    }

    /**
     * An encoder session of codec {@code id}; {@code cacheSize} goes to a codec that declares a
     * {@link #CACHE_SIZE} key.
     *
     * @throws dev.tern.kernel.plugin.PluginException listing the installed codecs when none has that id
     */
    public PageCodecs.Codec encoder(String id, long cacheSize) {
        PageCodecProvider p = plugins.require(PageCodecProvider.class, id);
        Map<String, String> raw = new HashMap<>();
        if (p.configKeys().stream().anyMatch(k -> k.name().equals(CACHE_SIZE))) {
            raw.put(CACHE_SIZE, Long.toString(cacheSize));
        }
        return new PageCodecs.Codec(id, p.delta(), p.newEncoder(ValidatedConfig.of(id, p.configKeys(), raw)));
    }

    /** The ids of every installed codec plugin that can work on this host. */
    public java.util.List<String> available() {
        return plugins.all(ProviderKind.PAGE_CODEC).stream().filter(i -> i.availability().available())
                .map(i -> i.id()).toList();
    }

    /** The ids of every installed, usable codec plugin whose pages are deltas against the receiver's copy. */
    public java.util.List<String> availableDelta() {
        return plugins.all(ProviderKind.PAGE_CODEC).stream().filter(i -> i.availability().available())
                .filter(i -> ((PageCodecProvider) i.provider()).delta()).map(i -> i.id()).toList();
    }

    /** A decoder session of codec {@code id}, empty when no usable plugin has that id. */
    public Optional<PageDecoder> decoder(String id) {
        return plugins.find(ProviderKind.PAGE_CODEC, id).filter(i -> i.availability().available()).map(i -> {
            PageCodecProvider p = (PageCodecProvider) i.provider();
            return p.newDecoder(ValidatedConfig.of(id, p.configKeys(), Map.of()));
        });
    }
}
