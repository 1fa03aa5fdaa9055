/** CPU models: a provider creates vCPUs that execute guest code. */
package dev.tern.spi.cpu;
