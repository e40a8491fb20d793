"""The needs pool's and the achievement library's own record pages: create, edit, import."""
