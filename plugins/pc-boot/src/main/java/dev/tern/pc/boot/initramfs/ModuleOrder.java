package dev.tern.pc.boot.initramfs;

import dev.tern.pc.boot.InvalidImageException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order in which to insmod a set of modules and everything they depend on: each module
 * after its dependencies (a depth-first post-order, so the result is deterministic for a given
 * request order).
 */
public final class ModuleOrder {

    private ModuleOrder() {
    }

    /**
     * Resolves {@code wanted} against {@code available} (by module name).
     *
     * @throws InvalidImageException when a wanted module or a dependency is missing, or the
     *                               dependencies form a cycle
     */
    public static List<KernelModule> resolve(List<String> wanted, Map<String, KernelModule> available) {
        var order = new LinkedHashSet<KernelModule>();
        for (String name : wanted) {
            visit(name, "requested", available, order, new HashSet<>());
        }
        return new ArrayList<>(order);
    }

    private static void visit(String name, String neededBy, Map<String, KernelModule> available,
                              Set<KernelModule> order, Set<String> path) {
        var module = available.get(name);
        if (module == null) {
            throw new InvalidImageException("module " + name + " (" + neededBy + ") is not in the kernel package");
        }
        if (order.contains(module)) {
            return;
        }
        if (!path.add(name)) {
            throw new InvalidImageException("module dependency cycle through " + name + ": " + path);
        }
        for (String dep : module.depends()) {
            visit(dep, "needed by " + name, available, order, path);
        }
        path.remove(name);
        order.add(module);
    }
}
