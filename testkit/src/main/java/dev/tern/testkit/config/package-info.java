/** Configuration validated against declared keys. */
package dev.tern.testkit.config;
