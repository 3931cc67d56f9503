"""Face analysis: landmarks, head pose, blendshapes, the canonical 3D mesh, mouth measurements."""
