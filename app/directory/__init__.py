"""The directory of central and competent authorities, requirement sheets, treaties, finder."""
