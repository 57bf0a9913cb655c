"""StreamPay write model: the Faust worker that decides whether money moves."""
