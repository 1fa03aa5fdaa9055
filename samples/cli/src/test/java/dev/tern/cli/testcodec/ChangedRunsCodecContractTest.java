package dev.tern.cli.testcodec;

import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.testkit.codec.PageCodecContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/** The third-party test codec passes the contract every page codec re-runs. */
class ChangedRunsCodecContractTest extends PageCodecContract {

    @TempDir
    Path dir;

    @Override
    protected PageCodecProvider provider() {
        return new ChangedRunsCodecProvider();
    }

    /** The codec is registered only in its plugin jar, so the service lookup runs over that jar. */
    @Test
    @Override
    public void idHasTheProviderFormatAndServiceLoaderFindsIt() {
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        try (var jars = Files.list(ChangedRunsCodecJar.build(dir));
             var loader = new URLClassLoader(jars.map(ChangedRunsCodecContractTest::url).toArray(URL[]::new),
                     getClass().getClassLoader())) {
            self.setContextClassLoader(loader);
            super.idHasTheProviderFormatAndServiceLoaderFindsIt();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            self.setContextClassLoader(before);
        }
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
