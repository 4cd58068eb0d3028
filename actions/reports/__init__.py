"""Monthly showback reports people read: per team HTML (inline SVG charts) and Markdown, and an executive
summary; facts in :mod:`facts`, rendering in :mod:`render`, optional checked LLM rewrite in :mod:`llm`."""
