/** dev.tern.testkit */
package dev.tern.testkit;
