"""LLM captions: ChatEarthNet's prompts (text and vision paths) and the request loop."""
