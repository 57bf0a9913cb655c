"""StreamPay simulation: virtual users that keep the demo alive."""
