"""A fake of the outside sources (arXiv, Hugging Face, leaderboards, feeds) on 127.0.0.1."""
