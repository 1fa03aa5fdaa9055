package dev.tern.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import dev.tern.spi.ConfigException;
import dev.tern.testkit.fuzz.HostileInput;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code --device}/{@code --cpu} option syntax ({@code id,key=value,...}): any text parses, or a
 * {@link ConfigException} names the column; a parsed option formats back to text that parses to the
 * same id and options. (The cli's DeviceOptionFuzzTest goes on to validate against real providers.)
 */
class ConfigTextFuzzTest {

    private static final Pattern COLUMN = Pattern.compile("column \\d+");

    @FuzzTest
    void parse(@NotNull String text) {
        ConfigText[] parsed = new ConfigText[1];
        Optional<ConfigException> refused = HostileInput.parse(ConfigException.class, COLUMN, 64L * text.length() + (64 << 10),
                () -> parsed[0] = ConfigText.parse(text));
        if (refused.isEmpty()) {
            assertEquals(parsed[0], ConfigText.parse(parsed[0].format()), "format() parses back to the same option");
        }
    }
}
