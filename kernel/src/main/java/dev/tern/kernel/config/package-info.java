/**
 * Provider configuration: parsing the QEMU-like option text users type ({@link dev.tern.kernel.config.ConfigText})
 * and validating it against the keys a provider declares ({@link dev.tern.kernel.config.ValidatedConfig}).
 *
 * <p>Validation happens before a provider sees its configuration, so every error names the owner,
 * the key and the value in terms the user typed.
 */
package dev.tern.kernel.config;
