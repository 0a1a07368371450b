"""Resources shipped with the application (found through importlib.resources, frozen or from source)."""
