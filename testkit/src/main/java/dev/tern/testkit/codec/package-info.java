/**
 * The page codec contract: {@link dev.tern.testkit.codec.PageCodecContract} is the JUnit suite every
 * {@link dev.tern.spi.codec.PageCodecProvider} test extends; {@link dev.tern.testkit.codec.PageWorkload}
 * generates seeded guest page histories and {@link dev.tern.testkit.codec.ProviderConfig} builds
 * configurations from a provider's declared keys.
 */
package dev.tern.testkit.codec;
