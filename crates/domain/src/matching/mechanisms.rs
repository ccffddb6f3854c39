//! Other allocation mechanisms for the simulator.
