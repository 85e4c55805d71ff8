"""Edge-side drivers (MicroPython): the gateway and a small Matrix client."""
