"""Product pictures the service draws itself (`artwork`) and serves from what is stored of them (`store`)."""
