"""Making the data sets under data/ and their splits."""
