"""Working days and hours: China's calendar with the office's corrections."""
