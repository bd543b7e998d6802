from torch import nn, optim


def main(loader, epochs=10):
    model = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 1))
    opt = optim.Adam(model.parameters())
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=5)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()  # GL101
        scheduler.step()
