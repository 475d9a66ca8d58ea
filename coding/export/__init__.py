"""Writers for the documents and tables a report is made of."""
