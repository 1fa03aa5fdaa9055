package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigFileTest {

    @TempDir
    Path dir;

    @Test
    void fileOptionsComeRightAfterTheSubcommandSoFlagsOverrideThem() throws Exception {
        Path f = Files.writeString(dir.resolve("vm.conf"), """
                # a machine
                memory = 256M
                device = debugcon,path=debug.log

                reboot = true
                """);
        List<String> args = ConfigFile.expand(List.of("run", "--config", f.toString(), "-m", "64M"));
        assertEquals(List.of("run", "--memory=256M", "--device=debugcon,path=debug.log", "--reboot", "-m", "64M"), args);
    }

    @Test
    void malformedLineNamesFileAndLine() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.conf"), "memory = 1G\nthis is not an option\n");
        var e = assertThrows(ConfigFile.ConfigFileException.class,
                () -> ConfigFile.expand(List.of("run", "--config=" + f)));
        assertTrue(e.getMessage().contains("bad.conf:2"), e.getMessage());
    }

    @Test
    void configCannotIncludeConfig() throws Exception {
        Path f = Files.writeString(dir.resolve("loop.conf"), "config = loop.conf\n");
        var e = assertThrows(ConfigFile.ConfigFileException.class, () -> ConfigFile.expand(List.of("run", "--config", f.toString())));
        assertTrue(e.getMessage().contains("loop.conf:1"), e.getMessage());
    }

    @Test
    void missingFileNameIsAnError() {
        assertThrows(ConfigFile.ConfigFileException.class, () -> ConfigFile.expand(List.of("run", "--config")));
    }
}
