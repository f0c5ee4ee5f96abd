/** An application that uses Panamax: on the module path it reads the library as a named module. */
module dev.panamax.example {
    requires dev.panamax.nn;
}
