"""StreamPay HTTP gateway: JWT-guarded commands and live Server-Sent Events views."""
