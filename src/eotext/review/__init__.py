"""The review app: people approve, reject or edit texts; every decision is an audit row."""
