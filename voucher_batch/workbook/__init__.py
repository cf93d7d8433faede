"""Excel adapters: reading input workbooks, checking their sheets, writing workbooks back."""
