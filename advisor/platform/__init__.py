"""The interface collect/ and apply/ use to reach a service platform; App Runner is its first backend."""
