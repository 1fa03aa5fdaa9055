package dev.tern.kernel.ft;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.ram.PageCodecs;
import dev.tern.spi.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * The page codecs of a primary's checkpoints: which it offers a standby in the handshake, and the
 * encoder sessions of those the standby accepted. Codecs are plugins known by id; the kernel names
 * none — by default it offers every installed delta codec, asking each provider whether its pages
 * are deltas against the receiver's copy.
 */
final class CheckpointCodecs {

    private CheckpointCodecs() {
    }

    /**
     * The codecs offered: those configured ({@code codecs=}), which must be installed, or else every
     * installed delta codec.
     *
     * @throws IllegalArgumentException naming a configured codec no installed plugin provides
     */
    static List<String> offered(FtConfig config, CodecPlugins installed) {
        if (config.codecs() == null) {
            return installed.availableDelta();
        }
        List<String> available = installed.available();
        for (String id : config.codecs()) {
            if (!available.contains(id)) {
                throw new IllegalArgumentException("--ft: codecs: no installed page codec '" + id + "' (installed: "
                        + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
            }
        }
        return config.codecs();
    }

    /**
     * Fresh encoder sessions of {@code ids} (one per session with a standby: a delta codec's cache
     * must mirror what this standby holds), each delta codec with a page cache of {@code cache-size=},
     * by default {@link FtConfig#DEFAULT_CACHE_SIZE} or the guest's writable RAM if that is smaller.
     */
    static PageCodecs sessions(Machine machine, FtConfig config, CodecPlugins installed, List<String> ids) {
        if (ids.isEmpty()) {
            return PageCodecs.NONE;
        }
        long ram = machine.memory().regions().stream().filter(r -> !r.readOnly()).mapToLong(r -> r.length()).sum();
        long cache = config.cacheSize() != 0 ? config.cacheSize()
                : Math.max(GuestMemory.PAGE_SIZE, Math.min(FtConfig.DEFAULT_CACHE_SIZE, ram));
        List<PageCodecs.Codec> sessions = new ArrayList<>();
        try {
            for (String id : ids) {
                sessions.add(installed.encoder(id, cache));
            }
            return PageCodecs.of(sessions);
        } catch (RuntimeException e) {
            sessions.forEach(c -> c.encoder().close());
            throw e;
        }
    }
}
