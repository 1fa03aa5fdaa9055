/**
 * Test support for Tern plugins: {@link dev.tern.testkit.DeviceHarness}, a small machine around a
 * device under test, and {@link dev.tern.testkit.DeviceContract}, the contract suite every device
 * test class extends.
 */
package dev.tern.testkit;
