package app

// ShowSettings opens the settings window (supervisors only).
func (ps *PackScreen) ShowSettings() {}
