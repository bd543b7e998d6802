# A visualisation class optimizes an input image in two methods, each with an optimizer it
# builds itself. One lost its step: the other method's optimizer.step() is a different
# optimizer (a local of that method), so this image never changes.
import torch


class LayerVisualization:
    def __init__(self, model: torch.nn.Module):
        self.model = model

    def with_hooks(self):
        image = torch.rand(1, 3, 224, 224, requires_grad=True)
        optimizer = torch.optim.Adam([image], lr=0.1)
        for _ in range(30):
            optimizer.zero_grad()
            loss = -self.model(image).mean()
            loss.backward()  # GL101
        return image

    def without_hooks(self):
        image = torch.rand(1, 3, 224, 224, requires_grad=True)
        optimizer = torch.optim.Adam([image], lr=0.1)
        for _ in range(30):
            optimizer.zero_grad()
            loss = -self.model(image).mean()
            loss.backward()
            optimizer.step()
        return image
