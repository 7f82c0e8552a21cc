"""Outside sources (arXiv, Hugging Face, leaderboards, lab and news feeds) fetched on a schedule."""
