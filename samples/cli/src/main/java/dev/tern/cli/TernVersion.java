package dev.tern.cli;

import dev.tern.spi.SpiVersion;
import picocli.CommandLine;

/** {@code tern --version}. */
final class TernVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"Tern " + (v == null ? "dev" : v) + " (SPI " + SpiVersion.CURRENT + ", Java "
                + Runtime.version() + ")"};
    }
}
