"""claimwatch's Faust worker, web endpoints and command line."""
