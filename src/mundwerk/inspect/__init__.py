"""Audio-visual sync measurement of any video: how far the voice lags or leads the mouth."""
