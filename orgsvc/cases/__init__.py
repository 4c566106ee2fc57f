"""«Våre saker»: cases, who represents an organisation in them, documents, messages, withdrawal."""
