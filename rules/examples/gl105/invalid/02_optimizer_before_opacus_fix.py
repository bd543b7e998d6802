# Reduced from a real report: the optimizer was built before Opacus's ModuleValidator.fix,
# which returns a copy of the model with its BatchNorm layers replaced.
import torch
from opacus import PrivacyEngine
from opacus.validators import ModuleValidator
from torchvision import models


def main(train_loader, epochs):
    model = models.resnet18(num_classes=10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model = ModuleValidator.fix(model)  # GL105
    engine = PrivacyEngine()
    model, optimizer, train_loader = engine.make_private(
        module=model, optimizer=optimizer, data_loader=train_loader,
        noise_multiplier=1.0, max_grad_norm=1.0,
    )
    for _ in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
