"""The forums domain's endpoints, one module per resource; app/forums/router.py joins them."""
